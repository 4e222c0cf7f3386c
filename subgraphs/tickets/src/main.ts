import { createLogger, runMain } from '@ko/platform';
import { start } from './server';

runMain('tickets', createLogger('tickets'), () => start());
