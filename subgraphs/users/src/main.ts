import { createLogger, runMain } from '@ko/platform';
import { start } from './server';

runMain('users', createLogger('users'), () => start());
