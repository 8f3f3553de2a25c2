import { z } from 'zod';
import { configName as name } from './fields.js';

// Where certificates come from: the certificate authorities, tried in order, and how serein orders from them.

/** A CA profile's name as the ACME profiles draft advertises it (classic, tlsserver, shortlived...). */
export const profileName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'a profile name in lower case, such as shortlived');

/** One certificate authority, tried in the order listed. */
export const caSchema = z
  .object({
    name,
    directoryUrl: z.url(),
    caBundle: z.string().optional().describe('PEM file trusted for this CA (private CAs, tests)'),
    eab: z
      .object({ kid: z.string().min(1), hmacKey: z.string().min(1) })
      .strict()
      .optional(),
    profile: profileName
      .optional()
      .describe(
        "the profile ordered at this CA when a site names none (Let's Encrypt: classic, tlsserver, shortlived); a CA that advertises no profiles is sent none, with a warning in the job log",
      ),
    caaIdentities: z
      .array(z.string().min(1))
      .optional()
      .describe('domains this CA accepts in CAA "issue" records; default: the directory meta caaIdentities'),
  })
  .strict();

/** The `acme` section: the CAs, the key type, orders at once, and the failure budget per name and CA. */
export const acmeSchema = z
  .object({
    email: z.email().optional(),
    cas: z.array(caSchema).default([]),
    keyType: z.enum(['ecdsa-p256', 'rsa-2048', 'rsa-4096']).default('ecdsa-p256'),
    // As many orders at once as the acme-client loop the bench compares with; each is ~0.3 s of waiting on the CA.
    concurrency: z.number().int().min(1).max(64).default(16),
    failureBudget: z
      .object({ failures: z.number().int().min(1).default(5), windowMinutes: z.number().int().min(1).default(60) })
      .strict()
      .default({ failures: 5, windowMinutes: 60 })
      .describe("failed validations allowed per name and CA in the window (Let's Encrypt: 5 per hour)"),
    orderTimeoutSeconds: z.number().int().min(5).max(3600).default(180).describe('longest wait for one order'),
    clientProfiles: z
      .array(profileName)
      .default([])
      .describe(
        "the CA profiles a client may choose for its site (certificate.issue's profile), among those the CA offers; empty: only admins choose, clients get the CA's profile",
      ),
  })
  .strict()
  .default({
    cas: [],
    keyType: 'ecdsa-p256',
    concurrency: 16,
    failureBudget: { failures: 5, windowMinutes: 60 },
    orderTimeoutSeconds: 180,
    clientProfiles: [],
  });

/** One certificate authority as configured. */
export type CaConfig = z.output<typeof caSchema>;
