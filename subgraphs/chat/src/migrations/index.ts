import { CreateOutbox1764000000000 } from '@ko/platform';
import { CreateChatMessages1764000000400 } from './1764000000400-CreateChatMessages';

export const migrations = [CreateOutbox1764000000000, CreateChatMessages1764000000400];
