import { visibleText } from '@ko/platform';

/**
 * The form in which two organizer names count as the same: compatibility-normalised (NFKC: full-
 * width and ligature letters become plain ones), lower-case, and without white space or other
 * invisible characters. "Aurora Live", " aurora  LIVE ", "AuroraLive", "Aurora\u200BLive" and
 * "Ａｕｒｏｒａ Live" are one name.
 */
export function displayNameKey(name: string): string {
  return visibleText(name.normalize('NFKC').toLowerCase());
}
