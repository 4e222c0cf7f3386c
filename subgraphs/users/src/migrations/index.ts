import { CreateOutbox1764000000000 } from '@ko/platform';
import { CreateUsers1764000000100 } from './1764000000100-CreateUsers';
import { CreateSignInLimits1764000000101 } from './1764000000101-CreateSignInLimits';
import { AccountStateAndOrganizerNames1765012400100 } from './1765012400100-AccountStateAndOrganizerNames';
import { EmailVerificationAndResets1765100000100 } from './1765100000100-EmailVerificationAndResets';

export const migrations = [
  CreateOutbox1764000000000,
  CreateUsers1764000000100,
  CreateSignInLimits1764000000101,
  AccountStateAndOrganizerNames1765012400100,
  EmailVerificationAndResets1765100000100,
];
