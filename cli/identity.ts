import { userInfo } from 'node:os';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { IdentityProof, ProofPurpose } from '../tasks/lib/identity/proof';
import { signIdentityProof } from '../tasks/lib/identity/sign';

/**
 * The CLI's identity proofs (docs/approval.md): STS GetCallerIdentity presigned with the caller's
 * credentials (the SDK's default chain, or --region's), bound to one purpose on one execution. In
 * local mode the caller is a local identity (local/identities.ts): `--as <name>`, else the OS user.
 */
export interface ProofSigner {
  sign: (purpose: ProofPurpose, executionArn: string) => Promise<IdentityProof>;
  /** Who the proofs will name, for messages (STS, or the local identity's ARN). */
  principal: () => Promise<string | undefined>;
}

export const localIdentityName = (as: string | undefined): string => as ?? process.env.REMEDIATION_LOCAL_AS ?? userInfo().username;

export function localProofSigner(as: string | undefined): ProofSigner {
  const identity = async () => {
    // Only with the emulator: local/identities.ts talks to it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { localIdentity } = require('../local/identities') as typeof import('../local/identities');
    return localIdentity(localIdentityName(as));
  };
  return {
    sign: async (purpose, executionArn) => signIdentityProof(purpose, executionArn, { credentials: (await identity()).credentials }),
    principal: async () => (await identity()).arn,
  };
}

/** Signed for the execution's own region (its ARN says which), whatever the CLI's region. */
export function awsProofSigner(principal: () => Promise<string | undefined>): ProofSigner {
  const credentials = fromNodeProviderChain();
  return {
    sign: (purpose, executionArn) => signIdentityProof(purpose, executionArn, { credentials }),
    principal,
  };
}
