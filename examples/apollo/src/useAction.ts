import { useState } from 'react';

import { describe, explain } from './messages';

/** The first expected failure of a payload in plain words, or null when it succeeded. */
export function failure(payload: { ok: boolean | null; errors: { code: string; message: string }[] } | null | undefined) {
  const first = payload?.errors[0];
  if (first) return describe(first.code, first.message);
  return payload?.ok ? null : describe('NOT_DONE');
}

/**
 * One action at a time, for a card's buttons: `busy` while it runs (they are disabled), the
 * notice above cleared when it starts, and a failure said once there, whether the action
 * answers it in words or throws. `done` runs only when the action succeeded.
 */
export function useAction(onError: (message: string | null) => void) {
  const [busy, setBusy] = useState(false);
  const act = async (run: () => Promise<string | null>, done?: () => void) => {
    setBusy(true);
    onError(null);
    try {
      const message = await run();
      if (message) onError(message);
      else done?.();
    } catch (failed) {
      onError(explain(failed));
    } finally {
      setBusy(false);
    }
  };
  return { busy, setBusy, act };
}
