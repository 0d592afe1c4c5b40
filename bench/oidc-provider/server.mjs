// oidc-provider with the client_credentials grant, for the side-by-side run in BENCHMARKS.md.
// Access tokens are RS256 JWTs (as Ferrodoor's are) when ACCESS_TOKEN_FORMAT=jwt, else the
// provider's default opaque tokens, kept in its in-memory store. One worker per core (node's
// cluster), so it uses the machine as Ferrodoor's threads do.
//   PORT=4000 CLIENT_ID=bench CLIENT_SECRET=… ACCESS_TOKEN_FORMAT=jwt node server.mjs

import cluster from 'node:cluster';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT ?? 4000);
const format = process.env.ACCESS_TOKEN_FORMAT ?? 'jwt';
const workers = Number(process.env.WORKERS ?? os.availableParallelism());
const keyFile = process.env.KEY_FILE ?? '/tmp/ferrodoor-bench-oidc-provider-key.json';

if (cluster.isPrimary) {
  // One RSA-2048 key for every worker, so tokens from any of them verify with the same JWKS.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  fs.writeFileSync(keyFile, JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid: 'bench', alg: 'RS256', use: 'sig' }));
  for (let i = 0; i < workers; i += 1) cluster.fork();
  cluster.on('exit', (w, code) => {
    console.error(`worker ${w.process.pid} exited (${code})`);
    process.exit(1);
  });
} else {
  const jwk = JSON.parse(fs.readFileSync(keyFile, 'utf8'));
  const resource = 'urn:ferrodoor:bench';
  const provider = new Provider(`http://127.0.0.1:${port}`, {
    clients: [{
      client_id: process.env.CLIENT_ID ?? 'bench',
      client_secret: process.env.CLIENT_SECRET ?? 'bench-secret',
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    jwks: { keys: [jwk] },
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'api',
          accessTokenFormat: format,
          accessTokenTTL: 7200,
          ...(format === 'jwt' ? { jwt: { sign: { alg: 'RS256' } } } : {}),
        }),
      },
    },
  });
  provider.listen(port, '127.0.0.1');
}
