import { Agent as HttpsAgent } from 'node:https';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { Agent as UndiciAgent } from 'undici';

/**
 * TLS trust for one Graph endpoint. By default the system's roots are used untouched. With an extra CA
 * (the emulator's certificate, or a corporate proxy's), that CA is trusted *in addition to* the
 * system roots, and only for pimwatch's own connections: certificate checking is never switched off
 * and nothing global (such as NODE_TLS_REJECT_UNAUTHORIZED) is changed.
 */
export interface Trust {
  /** For `fetch` (the Graph client, webhooks): an undici dispatcher. */
  dispatcher: UndiciAgent | undefined;
  /** For @azure/identity's HTTP pipeline. */
  identityPolicy: PipelinePolicy | undefined;
  /** The same trust as a Node https agent, for Azure SDK clients that take an `agent` option. */
  httpsAgent: HttpsAgent | undefined;
  close(): Promise<void>;
}

export function createTrust(extraCaPem?: string): Trust {
  if (!extraCaPem) {
    return { dispatcher: undefined, identityPolicy: undefined, httpsAgent: undefined, close: async () => {} };
  }
  // Built once per CA and process: a secure context made from `ca` parses every root certificate
  // (about 150 PEMs), which each new TLS connection would otherwise do again (measured: ~3x the CPU
  // per scan in the 200-tenant benchmark).
  const secureContext = secureContextFor(extraCaPem);
  const dispatcher = new UndiciAgent({ connect: { secureContext }, keepAliveTimeout: 10_000 });
  const httpsAgent = new HttpsAgent({ secureContext, keepAlive: true });
  const identityPolicy: PipelinePolicy = {
    name: 'pimwatchExtraCa',
    sendRequest(request, next) {
      request.agent = httpsAgent;
      return next(request);
    },
  };
  return {
    dispatcher,
    identityPolicy,
    httpsAgent,
    async close() {
      httpsAgent.destroy();
      await dispatcher.close();
    },
  };
}

const contexts = new Map<string, SecureContext>();

function secureContextFor(extraCaPem: string): SecureContext {
  let context = contexts.get(extraCaPem);
  if (!context) {
    context = createSecureContext({ ca: [...rootCertificates, extraCaPem] });
    contexts.set(extraCaPem, context);
  }
  return context;
}
