import { z } from 'zod';

// Values several sections of the configuration share.

/** A name the configuration gives a target, web server, database server or CA: safe in paths, locks and logs. */
export const configName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,62}$/, 'a lower-case name: letters, digits and dashes, starting with a letter');

/** A TCP port. */
export const port = z.number().int().min(1).max(65535);
