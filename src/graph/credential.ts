import {
  ClientCertificateCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  type TokenCredential,
  type TokenCredentialOptions,
  WorkloadIdentityCredential,
} from '@azure/identity';
import type { CredentialConfig } from '../config/schema.js';
import { resolveSecret } from '../config/secret.js';
import type { Trust } from './trust.js';

/**
 * Builds the credential a tenant's configuration names. Built explicitly rather than through
 * DefaultAzureCredential: a daemon must not silently fall back to a developer's login.
 * Secrets are read here, at the last moment, and never leave the credential object.
 */
export function createCredential(
  tenantId: string,
  credential: CredentialConfig,
  options: {
    authorityHost: string;
    trust?: Trust;
    /** How secret references become values; the default reads environment variables and files. */
    readSecret?: typeof resolveSecret;
  },
): TokenCredential {
  const readSecret = options.readSecret ?? resolveSecret;
  const common: TokenCredentialOptions & { disableInstanceDiscovery?: boolean } = {
    authorityHost: options.authorityHost,
    // Instance discovery asks login.microsoftonline.com about the authority; for a sovereign cloud or
    // the emulator the configured authority is already the answer.
    disableInstanceDiscovery: !isPublicCloudAuthority(options.authorityHost),
    ...(options.trust?.identityPolicy
      ? { additionalPolicies: [{ policy: options.trust.identityPolicy, position: 'perCall' as const }] }
      : {}),
  };
  const where = 'credential';
  switch (credential.type) {
    case 'clientSecret':
      return new ClientSecretCredential(
        tenantId,
        credential.clientId,
        readSecret(credential.clientSecret, `${where}.clientSecret`),
        common,
      );
    case 'certificate':
      return new ClientCertificateCredential(
        tenantId,
        credential.clientId,
        {
          certificatePath: credential.certificatePath,
          ...(credential.certificatePassword
            ? {
                certificatePassword: readSecret(
                  credential.certificatePassword,
                  `${where}.certificatePassword`,
                ),
              }
            : {}),
        },
        { ...common, sendCertificateChain: credential.sendCertificateChain },
      );
    case 'managedIdentity':
      return credential.clientId
        ? new ManagedIdentityCredential({ ...common, clientId: credential.clientId })
        : new ManagedIdentityCredential(common);
    case 'workloadIdentity':
      return new WorkloadIdentityCredential({
        ...common,
        tenantId,
        ...(credential.clientId ? { clientId: credential.clientId } : {}),
        ...(credential.tokenFilePath ? { tokenFilePath: credential.tokenFilePath } : {}),
      });
  }
}

function isPublicCloudAuthority(authorityHost: string): boolean {
  return new URL(authorityHost).hostname === 'login.microsoftonline.com';
}
