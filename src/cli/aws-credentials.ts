/**
 * The AWS credentials a command uses for the Step Functions and S3 calls it makes itself (`approve`,
 * `--target sfn`): keys in the command's environment win, so a test or a wrapper can pass them in;
 * otherwise the SDK's default credential chain decides (profiles, SSO, instance roles).
 */

/**
 * Static credentials from `env` when it holds keys, else undefined (the default chain applies).
 *
 * @example new SFNClient({ region, ...(creds && { credentials: creds }) })
 */
export function credentialsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined {
  if (env.AWS_ACCESS_KEY_ID === undefined || env.AWS_SECRET_ACCESS_KEY === undefined) return undefined;
  return {
    accessKeyId: env.AWS_ACCESS_KEY_ID,
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
    ...(env.AWS_SESSION_TOKEN !== undefined && { sessionToken: env.AWS_SESSION_TOKEN }),
  };
}
