import { createLogger, runMain } from '@ko/platform';
import { start } from './server';

runMain('mail', createLogger('mail'), () => start());
