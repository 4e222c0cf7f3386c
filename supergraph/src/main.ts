import { createLogger, runMain } from '@ko/platform';
import { start } from './server';

runMain('gateway', createLogger('gateway'), () => start());
