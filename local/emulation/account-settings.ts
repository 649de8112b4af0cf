import { DeleteParameterCommand, GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { EC2Client, ModifyEbsDefaultKmsKeyIdCommand } from '@aws-sdk/client-ec2';
import type { AwsCall } from '../../tasks/lib/client-hooks';

/**
 * Region-level EC2 settings moto 5.2.1 lacks, answered as EC2 documents them:
 * - GetEbsDefaultKmsKeyId and ResetEbsDefaultKmsKeyId do not exist in moto (ModifyEbsDefaultKmsKeyId does, and moto
 *   uses its key for CreateVolume, but nothing can read it back). Until a key is set, and after a reset, EC2 answers
 *   with its AWS managed key (aws/ebs; locally the stand-in of local/emulation.ts).
 * - GetInstanceMetadataDefaults / ModifyInstanceMetadataDefaults do not exist in moto: a new account has no defaults
 *   (every field unset); a modify sets only the fields it names, and `no-preference` unsets one.
 * What moto cannot hold is kept in moto itself, as SSM parameters under /remediation-local/emulation/: it lasts as long
 * as the emulated account (across processes, `remediate local`), and moto's reset clears it with everything else.
 * When moto implements these calls (its ec2 responses gain get_ebs_default_kms_key_id, get_instance_metadata_defaults),
 * this module can go.
 */
const PREFIX = '/remediation-local/emulation';
const EBS_KEY = `${PREFIX}/ebs-default-kms-key-id`;
const METADATA_DEFAULTS = `${PREFIX}/instance-metadata-defaults`;
const METADATA_FIELDS = ['HttpTokens', 'HttpPutResponseHopLimit', 'HttpEndpoint', 'InstanceMetadataTags'] as const;

// Raw clients: the emulation's own reads and writes are not the run's calls.
const ssm = new SSMClient({});
const ec2 = new EC2Client({});

async function stored(name: string): Promise<string | undefined> {
  try {
    return (await ssm.send(new GetParameterCommand({ Name: name }))).Parameter?.Value;
  } catch (error) {
    if ((error as Error).name === 'ParameterNotFound') return undefined;
    throw error;
  }
}
const store = (name: string, value: string) => ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: true }));

/**
 * Answers the calls above (after the fault layer has seen them); undefined for any other call. `awsManagedEbsKey`
 * is the local aws/ebs key's ARN (local/emulation.ts).
 */
export async function accountSettingsCall(call: AwsCall, next: () => Promise<unknown>, awsManagedEbsKey: () => Promise<string>): Promise<unknown> {
  if (call.service !== 'ec2') return undefined;
  switch (call.command) {
    case 'GetEbsDefaultKmsKeyId':
      return { KmsKeyId: (await stored(EBS_KEY)) ?? (await awsManagedEbsKey()), $metadata: {} };
    case 'ModifyEbsDefaultKmsKeyId': {
      // moto resolves the key (refusing one that does not exist) and answers its ARN, as EC2 does.
      const out = (await next()) as { KmsKeyId?: string };
      if (out.KmsKeyId) await store(EBS_KEY, out.KmsKeyId);
      return out;
    }
    case 'ResetEbsDefaultKmsKeyId': {
      const KmsKeyId = await awsManagedEbsKey();
      await ec2.send(new ModifyEbsDefaultKmsKeyIdCommand({ KmsKeyId }));
      await ssm.send(new DeleteParameterCommand({ Name: EBS_KEY })).catch(() => undefined);
      return { KmsKeyId, $metadata: {} };
    }
    case 'GetInstanceMetadataDefaults':
      return { AccountLevel: JSON.parse((await stored(METADATA_DEFAULTS)) ?? '{}'), $metadata: {} };
    case 'ModifyInstanceMetadataDefaults': {
      const current = JSON.parse((await stored(METADATA_DEFAULTS)) ?? '{}') as Record<string, unknown>;
      for (const field of METADATA_FIELDS) {
        const value = call.input[field];
        if (value === undefined) continue;
        if (value === 'no-preference' || value === -1) delete current[field];
        else current[field] = value;
      }
      await store(METADATA_DEFAULTS, JSON.stringify(current));
      return { Return: true, $metadata: {} };
    }
    default:
      return undefined;
  }
}
