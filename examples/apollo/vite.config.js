import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  // `vite preview` serves the built app; every path falls back to index.html,
  // so /oauth/kakao/callback reaches the app.
  preview: { host: '127.0.0.1' },
  server: { host: '127.0.0.1' },
});
