/**
 * The emulator's credential store and request authentication.
 *
 * Long-term keys (by default `test`/`test`) belong to an account's root; `AssumeRole` issues
 * temporary keys (`ASIA...` + secret + session token) bound to the role's account. Every request's
 * access key decides the calling account, so a session for account A can never see account B.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { restXmlError } from '../protocols/rest-xml.js';
import { commonError, type ErrorFormat } from '../protocols/service-errors.js';
import type { EmulatorRequest, EmulatorResponse, Principal } from '../types.js';
import { parseAuthorization, type SigningRules, verifySignature } from './sigv4.js';

/** The orchestrator account the default `test`/`test` keys belong to. */
export const DEFAULT_ACCOUNT_ID = '123456789012';
/** Default access key id (LocalStack's convention). */
export const DEFAULT_ACCESS_KEY_ID = 'test';
/** Default secret access key. */
export const DEFAULT_SECRET_ACCESS_KEY = 'test';

/** One set of keys the emulator accepts. */
export interface StoredCredential {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Present for temporary (assumed-role) credentials; requests must send it back. */
  readonly sessionToken?: string;
  readonly accountId: string;
  /** `arn:aws:iam::<account>:root` or `arn:aws:sts::<account>:assumed-role/<role>/<session>`. */
  readonly arn: string;
  /** `UserId` of GetCallerIdentity: the account id for root, `AROA...:<session>` for sessions. */
  readonly userId: string;
  /** The assumed role's ARN (its policies govern the session). */
  readonly roleArn?: string;
  /** ISO-8601 expiry of temporary credentials. */
  readonly expiration?: string;
}

/** Looks credentials up by access key id; the narrow port {@link authenticate} needs. */
export interface CredentialLookup {
  lookup(accessKeyId: string): StoredCredential | undefined;
}

/** Long-term keys of an account root. */
export interface RootCredentialSpec {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly accountId: string;
}

/** What {@link CredentialStore.issueSession} needs. */
export interface SessionRequest {
  readonly accountId: string;
  readonly roleArn: string;
  /** The role's unique id (`AROA...`). */
  readonly roleId: string;
  readonly sessionName: string;
  readonly expiration: Date;
}

/** Serialized form of a {@link CredentialStore} (for save/load of emulator state). */
export interface CredentialStoreSnapshot {
  readonly credentials: readonly StoredCredential[];
}

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function randomId(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += KEY_ALPHABET[byte % KEY_ALPHABET.length];
  return out;
}

/** The ARN of an account's root user. */
export function rootArn(accountId: string): string {
  return `arn:aws:iam::${accountId}:root`;
}

/**
 * In-memory credential store: root keys per account plus the sessions `AssumeRole` issued.
 *
 * @example
 * const store = new CredentialStore(); // test/test -> 123456789012
 * store.addRoot({ accessKeyId: 'AKIA...', secretAccessKey: '...', accountId: '111111111111' });
 */
export class CredentialStore implements CredentialLookup {
  readonly #byKey = new Map<string, StoredCredential>();
  /** Grows with every key added: the journal records the store when it changed. */
  #version = 0;

  /** How many keys were added since the store was made (the journal's change check). */
  get version(): number {
    return this.#version;
  }

  /**
   * @param roots - long-term keys to accept.
   * @default `[{ accessKeyId: 'test', secretAccessKey: 'test', accountId: '123456789012' }]`
   */
  constructor(
    roots: readonly RootCredentialSpec[] = [
      {
        accessKeyId: DEFAULT_ACCESS_KEY_ID,
        secretAccessKey: DEFAULT_SECRET_ACCESS_KEY,
        accountId: DEFAULT_ACCOUNT_ID,
      },
    ],
  ) {
    for (const root of roots) this.addRoot(root);
  }

  /** Accepts long-term keys for an account's root. */
  addRoot(spec: RootCredentialSpec): StoredCredential {
    const record: StoredCredential = {
      accessKeyId: spec.accessKeyId,
      secretAccessKey: spec.secretAccessKey,
      accountId: spec.accountId,
      arn: rootArn(spec.accountId),
      userId: spec.accountId,
    };
    this.#byKey.set(spec.accessKeyId, record);
    this.#version++;
    return record;
  }

  /** Issues temporary credentials (`ASIA` + 16 characters) for an assumed role session. */
  issueSession(req: SessionRequest): StoredCredential {
    const roleName = req.roleArn.slice(req.roleArn.lastIndexOf('/') + 1);
    const record: StoredCredential = {
      accessKeyId: `ASIA${randomId(16)}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: `IQoJb3JpZ2luX2VjE${randomBytes(240).toString('base64')}`,
      accountId: req.accountId,
      arn: `arn:aws:sts::${req.accountId}:assumed-role/${roleName}/${req.sessionName}`,
      userId: `${req.roleId}:${req.sessionName}`,
      roleArn: req.roleArn,
      expiration: req.expiration.toISOString(),
    };
    this.#byKey.set(record.accessKeyId, record);
    this.#version++;
    return record;
  }

  lookup(accessKeyId: string): StoredCredential | undefined {
    return this.#byKey.get(accessKeyId);
  }

  /** Number of credential sets held (roots and sessions). */
  get size(): number {
    return this.#byKey.size;
  }

  toJSON(): CredentialStoreSnapshot {
    return { credentials: [...this.#byKey.values()] };
  }

  /** Restores a store saved with {@link CredentialStore.toJSON}. */
  static fromJSON(snapshot: CredentialStoreSnapshot): CredentialStore {
    const store = new CredentialStore([]);
    for (const record of snapshot.credentials) store.#byKey.set(record.accessKeyId, { ...record });
    return store;
  }
}

/** What authentication needs of the request's service: how it signs and how it writes errors. */
export interface AuthenticatedService extends ErrorFormat {
  readonly signing?: SigningRules;
}

/** Options of {@link authenticate}. */
export interface AuthenticateOptions {
  /** The service the request is addressed to (its descriptor). */
  readonly service: AuthenticatedService;
  /** Request id used in the error response. @default a random UUID */
  readonly requestId?: string;
  /** Virtual time, used only with `enforceExpiry`. */
  readonly now?: () => Date;
  /**
   * Reject sessions past their `expiration` (`ExpiredToken`). Off by default because the virtual
   * clock runs ahead of wall time while SDKs refresh credentials by wall time.
   * @default false
   */
  readonly enforceExpiry?: boolean;
}

/** Outcome of {@link authenticate}. */
export type AuthenticationResult =
  | { readonly ok: true; readonly principal: Principal; readonly credential: StoredCredential }
  | {
      readonly ok: false;
      /** The error to send back, in the service's own format. */
      readonly response: EmulatorResponse;
      /** Why, for logs and inspection. */
      readonly reason:
        | 'unsigned'
        | 'incomplete'
        | 'unknown-key'
        | 'bad-session-token'
        | 'expired'
        | 'signature'
        | 'payload-hash';
    };

/** The {@link Principal} of stored credentials. */
export function principalOf(credential: StoredCredential): Principal {
  return {
    accountId: credential.accountId,
    arn: credential.arn,
    accessKeyId: credential.accessKeyId,
    ...(credential.roleArn === undefined ? {} : { roleArn: credential.roleArn }),
  };
}

/**
 * Authenticates a request: SigV4 present and complete, access key known, session token matching,
 * signature correct. Failures come back as the error the request's service answers on AWS
 * (`SignatureDoesNotMatch` / `InvalidSignatureException`, `InvalidClientTokenId` /
 * `UnrecognizedClientException` / `AuthFailure` / `InvalidAccessKeyId`, `MissingAuthenticationToken`...).
 *
 * @param req - the request, with `service` set from the credential scope (or inferred if unsigned).
 */
export function authenticate(
  req: EmulatorRequest,
  lookup: CredentialLookup,
  options: AuthenticateOptions,
): AuthenticationResult {
  const requestId = options.requestId ?? randomUUID();
  const { service } = options;
  const head = req.method === 'HEAD';
  const fail = (
    reason: Extract<AuthenticationResult, { ok: false }>['reason'],
    response: EmulatorResponse,
  ): AuthenticationResult => ({ ok: false, reason, response });

  const parsed = parseAuthorization(req.headers, req.query);
  if (parsed.kind === 'unsigned') {
    return fail('unsigned', commonError(service, 'missing-authentication', { requestId, head }));
  }
  if (parsed.kind === 'incomplete') {
    return fail(
      'incomplete',
      commonError(service, 'incomplete-signature', {
        requestId,
        head,
        ...(service.protocol === 'rest-xml' ? {} : { message: parsed.message }),
      }),
    );
  }
  const auth = parsed.auth;
  const credential = lookup.lookup(auth.scope.accessKeyId);
  if (credential === undefined) {
    return fail(
      'unknown-key',
      commonError(service, 'unknown-access-key', {
        requestId,
        head,
        xmlExtra: { AWSAccessKeyId: auth.scope.accessKeyId },
      }),
    );
  }
  if (credential.sessionToken !== auth.sessionToken) {
    return fail('bad-session-token', commonError(service, 'invalid-session-token', { requestId, head }));
  }
  if (options.enforceExpiry === true && credential.expiration !== undefined) {
    const now = options.now?.() ?? new Date();
    if (now.getTime() >= Date.parse(credential.expiration)) {
      return fail('expired', commonError(service, 'expired-token', { requestId, head }));
    }
  }
  const check = verifySignature(req, auth, credential.secretAccessKey, service.signing);
  if (!check.ok) {
    if (check.reason === 'payload-hash' && service.protocol === 'rest-xml') {
      return fail(
        'payload-hash',
        restXmlError({
          code: 'XAmzContentSHA256Mismatch',
          message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
          status: 400,
          requestId,
          head,
        }),
      );
    }
    return fail(
      check.reason === 'payload-hash' ? 'payload-hash' : 'signature',
      commonError(service, 'signature-mismatch', {
        requestId,
        head,
        xmlExtra: {
          AWSAccessKeyId: auth.scope.accessKeyId,
          StringToSign: check.stringToSign,
          SignatureProvided: auth.signature,
          CanonicalRequest: check.canonicalRequest,
        },
      }),
    );
  }
  return { ok: true, principal: principalOf(credential), credential };
}
