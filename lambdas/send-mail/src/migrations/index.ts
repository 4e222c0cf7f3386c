import { CreateMailRecords1765100000500 } from './1765100000500-CreateMailRecords';

/** The `mail` database's migrations: run by the event source at start (the function only reads and writes rows). */
export const migrations = [CreateMailRecords1765100000500];
