import { CreateOutbox1764000000000 } from '@ko/platform';
import { CreateTickets1764000000300 } from './1764000000300-CreateTickets';
import { CreatePurchaseLimits1764000000301 } from './1764000000301-CreatePurchaseLimits';
import { MoneyAsBigint1765012100000 } from './1765012100000-MoneyAsBigint';
import { TierDescription1765015150100 } from './1765015150100-TierDescription';
import { AttendeeList1765020000000 } from './1765020000000-AttendeeList';
import { SaleWindows1765030000000 } from './1765030000000-SaleWindows';
import { WaitingRooms1765030000100 } from './1765030000100-WaitingRooms';
import { OneStatementPurchase1765040000000 } from './1765040000000-OneStatementPurchase';
import { AdmissionIndex1765050000000 } from './1765050000000-AdmissionIndex';
import { DrawAfterStart1765060000000 } from './1765060000000-DrawAfterStart';

export const migrations = [
  CreateOutbox1764000000000,
  CreateTickets1764000000300,
  CreatePurchaseLimits1764000000301,
  MoneyAsBigint1765012100000,
  TierDescription1765015150100,
  AttendeeList1765020000000,
  SaleWindows1765030000000,
  WaitingRooms1765030000100,
  OneStatementPurchase1765040000000,
  AdmissionIndex1765050000000,
  DrawAfterStart1765060000000,
];
