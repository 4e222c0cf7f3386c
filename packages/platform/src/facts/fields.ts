import { z } from 'zod';

// The field shapes facts share. Internal to the fact definitions: not re-exported.

/** A time with its offset, as every fact writes times. */
export const isoTime = z.string().datetime({ offset: true });
export const id = z.string().uuid();
export const count = z.number().int().min(0);
