/**
 * French texts of the record screens (ui/src/records/). Owned by the records
 * screens; this placeholder only keeps the build working until they land.
 * Nested object of strings; functions are allowed for plurals and parameters.
 */
export const records = {};
