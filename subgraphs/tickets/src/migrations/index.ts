import { CreateOutbox1764000000000 } from '@ko/platform';
import { CreateTickets1764000000300 } from './1764000000300-CreateTickets';
import { CreatePurchaseLimits1764000000301 } from './1764000000301-CreatePurchaseLimits';

export const migrations = [
  CreateOutbox1764000000000,
  CreateTickets1764000000300,
  CreatePurchaseLimits1764000000301,
];
