import { createLogger, runMain } from '@ko/platform';
import { start } from './server';

runMain('events', createLogger('events'), () => start());
