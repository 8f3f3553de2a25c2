import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { Config } from '../config/schema.js';
import type { CertificateStore } from '../store/certificates.js';
import type { AcmeAccounts, ReadyCa } from './account.js';
import { ariCertId, firstPem } from '../acme/ari.js';
import { recordValidationFailure } from './budget.js';
import { createCsr } from './csr.js';
import { AcmeProblem, type Authorization, type Order } from '../acme/client.js';
import { certificateError, isClientFault, ValidationFailed } from './errors.js';
import { keyAuthorization, newEcdsaKeyPem, newRsaKeyPem } from '../acme/jws.js';
import type { Semaphore } from '../util/concurrency.js';
import type { ChallengeSolver, ProofItem } from './solvers.js';

/** ECDSA P-256 by default; RSA when an old client needs it. */
export type KeyType = Config['acme']['keyType'];

/** One certificate to get: its names, key type, how to prove control, and which CAs may issue it. */
export interface IssueRequest {
  /** ASCII names, already checked by the preflight; the first one is the certificate's name. */
  domains: string[];
  keyType: KeyType;
  solver: ChallengeSolver;
  /** CAs to try, in order (the preflight's allowed list); default: every configured CA. */
  cas?: string[];
  /** The site's CA profile (src/certificates/profiles.ts); without it, each CA's acme.cas[].profile. */
  profile?: string;
  /** RFC 9773: the certificate this one replaces, sent to the CA that issued it. */
  replaces?: { ca: string; certId: string };
  signal?: AbortSignal;
  log?: (message: string, data?: Record<string, unknown>) => void;
}

/** A certificate fresh from the CA. `keyPem` is secret. */
export interface IssuedCertificate {
  domains: string[];
  keyType: KeyType;
  keyPem: string;
  /** Leaf then intermediates, as nginx wants it. */
  fullChainPem: string;
  ca: string;
  caDirectory: string;
  serial: string;
  ariCertId: string;
  /** The profile the order named; undefined: the CA's default. */
  profile?: string;
  notBefore: Date;
  notAfter: Date;
  /** Milliseconds spent: order (new order + authorizations), validation, finalize (+ download), total. */
  timings: { order: number; validation: number; finalize: number; total: number };
}

/** What issuance needs from the daemon. */
export interface IssueDeps {
  config: Config;
  accounts: AcmeAccounts;
  /** Bounds concurrent orders across the daemon (acme.concurrency). */
  pool: Semaphore;
  /** For the failed-validation budget. */
  certificates?: CertificateStore;
}

async function newKey(type: KeyType): Promise<string> {
  if (type === 'rsa-2048') return newRsaKeyPem(2048);
  if (type === 'rsa-4096') return newRsaKeyPem(4096);
  return newEcdsaKeyPem();
}

/** A key and a CSR for the names; made while the CA validates, so they cost no wall time. */
async function keyAndCsr(domains: string[], keyType: KeyType): Promise<{ keyPem: string; csrDer: Buffer }> {
  const keyPem = await newKey(keyType);
  const cn = domains.find((d) => d.length <= 64);
  return { keyPem, csrDer: createCsr(createPrivateKey(keyPem), domains, cn) };
}

/** One order at one CA, as fast as the CA allows: everything that can run in parallel does. */
async function orderAt(
  ready: ReadyCa,
  req: IssueRequest,
  material: Promise<{ keyPem: string; csrDer: Buffer }>,
  deps: IssueDeps,
): Promise<IssuedCertificate> {
  const t0 = Date.now();
  const { client, ca, key } = ready;
  const deadline = t0 + deps.config.acme.orderTimeoutSeconds * 1000;
  const replaces = req.replaces?.ca === ca.name && ready.directory.renewalInfo ? req.replaces.certId : undefined;
  const profile = profileFor(ready, req);
  const order: Order = await client.newOrder({
    identifiers: req.domains.map((d) => ({ type: 'dns', value: d })),
    profile,
    replaces,
  });
  req.log?.(`order placed at ${ca.name}`, { order: order.url, replaces: replaces ?? null, profile: profile ?? null });
  const authzs: Authorization[] = await Promise.all(order.authorizations.map((u) => client.authorization(u)));
  const tOrder = Date.now();
  const pending = authzs.filter((a) => a.status === 'pending');
  const invalid = authzs.filter((a) => a.status !== 'pending' && a.status !== 'valid');
  if (invalid.length)
    throw new ValidationFailed(
      ca.name,
      invalid.map((a) => ({ domain: nameOf(a), problem: { detail: `authorization is ${a.status}` } })),
    );
  const items: (ProofItem & { authz: Authorization; challengeUrl: string })[] = pending.map((a) => {
    const ch = a.challenges.find((c) => c.type === req.solver.type);
    if (!ch)
      throw new AcmeProblem(
        {
          type: 'urn:ietf:params:acme:error:rejectedIdentifier',
          detail: `${ca.name} offers no ${req.solver.type} challenge for ${nameOf(a)}`,
        },
        400,
      );
    return {
      domain: nameOf(a),
      token: ch.token,
      keyAuthorization: keyAuthorization(key, ch.token),
      authz: a,
      challengeUrl: ch.url,
    };
  });
  // Once every name is valid the proofs are no longer read: they are removed while the
  // order is finalized (cleanup never throws), and awaited before this order returns.
  let cleanup: Promise<void> = Promise.resolve();
  if (items.length) {
    try {
      await req.solver.present(items, req.signal);
      await Promise.all(items.map((i) => client.respond(i.challengeUrl)));
      const done = await Promise.all(
        items.map((i) =>
          client.poll<Authorization>(i.authz.url, (a) => a.status !== 'pending', { deadline, signal: req.signal }),
        ),
      );
      const failed = done.filter((a) => a.status !== 'valid');
      if (failed.length) {
        const failures = failed.map((a) => ({
          domain: nameOf(a),
          problem: a.challenges.find((c) => c.type === req.solver.type)?.error ?? {
            detail: `authorization ${a.status}`,
          },
        }));
        if (deps.certificates)
          await Promise.all(
            failures.map((f) => recordValidationFailure(deps.certificates!, ca.name, f.domain, f.problem.detail ?? '')),
          );
        throw new ValidationFailed(ca.name, failures);
      }
    } catch (err) {
      await req.solver.cleanup(items);
      throw err;
    }
    cleanup = req.solver.cleanup(items);
  }
  try {
    return {
      ...(await finishOrder(ready, req, order, material, deadline, {
        t0,
        tOrder,
        validated: items.length,
        authzs: authzs.length,
      })),
      profile,
    };
  } finally {
    await cleanup;
  }
}

/**
 * The profile to name in the order: the site's, else the CA's configured one. Named only
 * to a CA that advertises it: one with no profiles (Debian's Pebble, an older CA) or
 * without that one is sent none and issues its default kind, said in the job log.
 */
function profileFor(ready: ReadyCa, req: IssueRequest): string | undefined {
  const wanted = req.profile ?? ready.ca.profile;
  if (!wanted) return undefined;
  const offered = ready.directory.meta?.profiles;
  if (offered && Object.hasOwn(offered, wanted)) return wanted;
  req.log?.(
    `warning: ${ready.ca.name} ${offered ? `offers no profile ${wanted} (only ${Object.keys(offered).join(', ')})` : 'advertises no profiles'}; ordering its default kind of certificate instead of ${wanted}`,
  );
  return undefined;
}

/** After validation: waits for the order to be ready, finalizes it with the CSR and downloads the chain. */
async function finishOrder(
  ready: ReadyCa,
  req: IssueRequest,
  placed: Order,
  material: Promise<{ keyPem: string; csrDer: Buffer }>,
  deadline: number,
  t: { t0: number; tOrder: number; validated: number; authzs: number },
): Promise<IssuedCertificate> {
  const { client, ca } = ready;
  const { t0, tOrder } = t;
  let order = placed;
  req.log?.(
    `${t.validated} name(s) validated by ${ca.name}${t.authzs > t.validated ? `, ${t.authzs - t.validated} already valid` : ''}`,
  );
  const tValid = Date.now();
  if (order.status === 'pending')
    order = await client.poll<Order>(order.url, (o) => o.status !== 'pending', {
      deadline,
      signal: req.signal,
      initialMs: 10,
    });
  if (order.status !== 'ready' && order.status !== 'valid')
    throw new AcmeProblem(order.error ?? { detail: `order is ${order.status}` }, 400);
  const { keyPem, csrDer } = await material;
  if (order.status === 'ready') order = await client.finalize(order, csrDer);
  if (order.status !== 'valid')
    order = await client.poll<Order>(order.url, (o) => o.status === 'valid' || o.status === 'invalid', {
      deadline,
      signal: req.signal,
      initialMs: 10,
    });
  if (order.status !== 'valid' || !order.certificate)
    throw new AcmeProblem(order.error ?? { detail: `order is ${order.status}` }, 400);
  const fullChainPem = await client.certificate(order.certificate);
  const leaf = new X509Certificate(firstPem(fullChainPem));
  const end = Date.now();
  return {
    domains: req.domains,
    keyType: req.keyType,
    keyPem,
    fullChainPem,
    ca: ca.name,
    caDirectory: ca.directoryUrl,
    serial: leaf.serialNumber.toLowerCase(),
    ariCertId: ariCertId(fullChainPem),
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
    timings: { order: tOrder - t0, validation: tValid - tOrder, finalize: end - tValid, total: end - t0 },
  };
}

const nameOf = (a: Authorization) => (a.wildcard ? `*.${a.identifier.value}` : a.identifier.value);

/**
 * Issues one certificate: tries the allowed CAs in order, moving to the next only when
 * the failure is not the client's (the CA down, rate limits, account trouble). Runs
 * inside the daemon-wide pool so batches never exceed `acme.concurrency` orders.
 */
export async function issueCertificate(deps: IssueDeps, req: IssueRequest): Promise<IssuedCertificate> {
  const cas = req.cas ?? deps.accounts.cas.map((c) => c.name);
  if (cas.length === 0)
    throw certificateError([{ ca: 'none', err: new Error('no certificate authority configured (acme.cas)') }]);
  return deps.pool.run(async () => {
    const material = keyAndCsr(req.domains, req.keyType);
    material.catch(() => undefined);
    const attempts: { ca: string; err: unknown }[] = [];
    for (const name of cas) {
      try {
        let ready = await deps.accounts.account(name);
        try {
          return await orderAt(ready, req, material, deps);
        } catch (err) {
          if (!(err instanceof AcmeProblem && err.kind === 'accountDoesNotExist')) throw err;
          await deps.accounts.forget(name);
          ready = await deps.accounts.account(name);
          return await orderAt(ready, req, material, deps);
        }
      } catch (err) {
        if (req.signal?.aborted) throw err;
        attempts.push({ ca: name, err });
        req.log?.(`${name} failed${isClientFault(err) ? '' : '; trying the next certificate authority'}`, {
          error: err instanceof Error ? err.message : String(err),
        });
        if (isClientFault(err) || !(err instanceof Error) || err.name === 'OperationError') break;
      }
    }
    const last = attempts[attempts.length - 1]?.err;
    if (last instanceof Error && last.name === 'OperationError') throw last;
    throw certificateError(attempts);
  });
}
