/**
 * The Azure credential of the control plane in AWS: a service principal whose
 * `{ tenantId, clientId, clientSecret }` live in a Secrets Manager secret (made by the operator,
 * never in the template or the environment). The secret is read on the first token request, not
 * at module load, so a Lambda that never talks to Azure never reads it; the secret's value never
 * appears in an error message.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { ClientSecretCredential } from '@azure/identity';
import { z } from 'zod';
import { describe } from '../../errors/describe';

export class AzureCredentialsError extends Error {
  override name = 'AzureCredentialsError';
}

const servicePrincipalSchema = z.object({ tenantId: z.string().min(1), clientId: z.string().min(1), clientSecret: z.string().min(1) });

export class SecretsManagerAzureCredential implements TokenCredential {
  #credential: Promise<TokenCredential> | undefined;

  constructor(
    private readonly secrets: SecretsManagerClient,
    private readonly secretArn: string,
    /** Builds the credential from the principal (tests point it elsewhere). */
    private readonly create: (principal: z.infer<typeof servicePrincipalSchema>) => TokenCredential = (principal) =>
      new ClientSecretCredential(principal.tenantId, principal.clientId, principal.clientSecret),
  ) {}

  getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    this.#credential ??= this.load().catch((error: unknown) => {
      this.#credential = undefined; // try again on the next request
      throw error;
    });
    return this.#credential.then((credential) => credential.getToken(scopes, options));
  }

  private async load(): Promise<TokenCredential> {
    let text: string | undefined;
    try {
      ({ SecretString: text } = await this.secrets.send(new GetSecretValueCommand({ SecretId: this.secretArn })));
    } catch (error) {
      throw new AzureCredentialsError(`could not read the Azure credentials secret ${this.secretArn}: ${describe(error)}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text ?? '');
    } catch {
      throw new AzureCredentialsError(`the Azure credentials secret ${this.secretArn} is not JSON`);
    }
    const principal = servicePrincipalSchema.safeParse(parsed);
    if (!principal.success) {
      const fields = [...new Set(principal.error.issues.map((issue) => issue.path.join('.') || '(root)'))].join(', ');
      throw new AzureCredentialsError(`the Azure credentials secret ${this.secretArn} needs non-empty string fields tenantId, clientId, clientSecret (bad: ${fields})`);
    }
    return this.create(principal.data);
  }
}
