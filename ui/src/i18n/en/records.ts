/** English texts of the record screens: exactly the keys of ../fr/records.ts. */
import type { Widen } from '../types';
import type { records as fr } from '../fr/records';

export const records: Widen<typeof fr> = {};
