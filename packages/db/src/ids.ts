import { randomBytes } from 'node:crypto';

/**
 * Time-sortable identifiers: `<prefix>_<UUIDv7>`, e.g. `run_01936f0e-5c2a-7b3d-8e41-3f0c2a9d17b4`.
 *
 * The UUID follows RFC 9562 version 7: 48-bit Unix milliseconds, then a 12-bit counter ("method 1")
 * seeded randomly each millisecond, then 62 random bits. Within one process, ids are strictly
 * increasing as strings, even within one millisecond and if the clock steps back; across processes
 * they sort by creation time to the millisecond. Lowercase hex, so byte order = string order.
 */
let lastMs = -1;
let counter = 0;

export function newUuidV7(): string {
  let ms = Date.now();
  if (ms <= lastMs) {
    ms = lastMs;
    counter += 1;
    if (counter > 0xfff) {
      // 4096 ids in one millisecond: borrow the next millisecond (stays monotonic).
      ms = lastMs + 1;
      counter = randomBytes(2).readUInt16BE(0) & 0x7ff;
    }
  } else {
    // Seed with the top bit clear so at least 2048 increments fit in this millisecond.
    counter = randomBytes(2).readUInt16BE(0) & 0x7ff;
  }
  lastMs = ms;

  const bytes = randomBytes(16);
  bytes.writeUIntBE(ms, 0, 6); // unix_ts_ms (48 bits)
  bytes[6] = 0x70 | (counter >> 8); // version 7 + counter high nibble
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f); // variant 10xx
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A new time-sortable id, `${prefix}_${uuidv7}` (just the UUID when prefix is empty). */
export function newId(prefix: string): string {
  const id = newUuidV7();
  return prefix ? `${prefix}_${id}` : id;
}

/** The creation time encoded in an id made by {@link newId} (or a bare UUIDv7). */
export function idTime(id: string): Date {
  const uuid = id.slice(id.lastIndexOf('_') + 1);
  const hex = uuid.replace(/-/g, '').slice(0, 12);
  if (!/^[0-9a-f]{12}$/i.test(hex)) throw new Error(`not a time-sortable id: ${id}`);
  return new Date(parseInt(hex, 16));
}
