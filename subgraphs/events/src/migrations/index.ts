import { CreateOutbox1764000000000 } from '@ko/platform';
import { CreateEvents1764000000200 } from './1764000000200-CreateEvents';
import { AddEventPlace1765014140200 } from './1765014140200-AddEventPlace';
import { EventImages1765100000200 } from './1765100000200-EventImages';

export const migrations = [
  CreateOutbox1764000000000,
  CreateEvents1764000000200,
  AddEventPlace1765014140200,
  EventImages1765100000200,
];
