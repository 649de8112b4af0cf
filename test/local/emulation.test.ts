import { DescribeKeyCommand, KMSClient, ListAliasesCommand } from '@aws-sdk/client-kms';
import { EBS_DEFAULT_KEY_ALIAS, Emulation } from '../../local/emulation';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';

let moto: MotoServer;
beforeAll(async () => {
  moto = await startMoto();
  useEndpoint(moto.endpoint);
});
afterAll(() => moto?.stop());

describe('the local EBS default key (GetEbsDefaultKmsKeyId, which moto lacks)', () => {
  it('is one key per emulator: every run (each with its own Emulation) answers the same, found by its alias', async () => {
    const first = (await new Emulation().ebsDefaultKmsKeyId()).KmsKeyId;
    const second = (await new Emulation().ebsDefaultKmsKeyId()).KmsKeyId;

    expect(second).toBe(first);
    expect(first).toMatch(/^arn:aws:kms:us-east-1:123456789012:key\/[0-9a-f-]{36}$/);
    const kms = new KMSClient({});
    const aliases = ((await kms.send(new ListAliasesCommand({}))).Aliases ?? []).filter((a) => a.AliasName === EBS_DEFAULT_KEY_ALIAS);
    expect(aliases).toHaveLength(1);
    expect((await kms.send(new DescribeKeyCommand({ KeyId: EBS_DEFAULT_KEY_ALIAS }))).KeyMetadata?.Arn).toBe(first);
  });
});
