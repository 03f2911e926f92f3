import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  // Both servers fall back to index.html for unknown paths, so
  // /oauth/kakao/callback reaches the app.
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
