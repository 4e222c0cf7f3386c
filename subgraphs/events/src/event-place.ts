import { badInput, characterCount } from '@ko/platform';

/** An IANA zone name (`Europe/Berlin`, `America/Argentina/Buenos_Aires`, `UTC`), not an offset. */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/** The zone if the runtime's time-zone database knows it; BAD_USER_INPUT otherwise. */
export function validTimeZone(value: string): string {
  const zone = value.trim();
  if (zone.length > 64 || !ZONE_NAME.test(zone)) throw unknownZone(value);
  try {
    // Throws a RangeError for a zone the time-zone database does not know.
    new Intl.DateTimeFormat('en', { timeZone: zone });
  } catch {
    throw unknownZone(value);
  }
  return zone;
}

const unknownZone = (value: string) =>
  badInput(`"${value.slice(0, 64)}" is not a time zone; give an IANA zone such as Europe/Berlin.`, {
    field: 'timeZone',
  });

/** An ISO 4217 code, upper-cased; BAD_USER_INPUT for one the runtime does not know. */
export function validCurrency(value: string): string {
  const code = value.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(code) || !CURRENCIES.has(code))
    throw badInput(`"${value.slice(0, 16)}" is not an ISO 4217 currency such as EUR or USD.`, {
      field: 'currency',
    });
  return code;
}

export const MAX_ADDRESS = 200;

/** A street address, trimmed; empty means none. */
export function validAddress(value: string): string | null {
  const address = value.trim();
  if (characterCount(address) > MAX_ADDRESS)
    throw badInput(`The address must be at most ${MAX_ADDRESS} characters long.`, {
      field: 'address',
    });
  return address || null;
}
