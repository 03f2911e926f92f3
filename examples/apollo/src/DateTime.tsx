import { formatDateTime } from './locale';

/** An instant, in the page's language, with the instant itself for machines. */
export function DateTime({ iso }: { iso: string }) {
  return <time dateTime={iso}>{formatDateTime(iso)}</time>;
}
