import { handler } from '../../../tasks/ami/validate-refresh-ami-input';
import { EXECUTION, INSTANCE_ID } from './fixtures';

const validate = (input: unknown) => handler({ input, execution: EXECUTION });

describe('validate-refresh-ami-input', () => {
  it('a backup reboots by default and takes the lock; a report is read-only (no lock) with a 90-day age', async () => {
    // Act
    const backup = await validate({ action: 'backup', instanceId: INSTANCE_ID });
    const report = await validate({ action: 'report', allInstances: true });

    // Assess
    expect(backup.request).toEqual({
      action: 'backup', instanceId: INSTANCE_ID, noReboot: false, acknowledgeCrashConsistent: false, maxAgeDays: 90, mode: 'apply', trigger: { source: 'console', claimed: true }, readOnly: false,
    });
    expect(report.request).toMatchObject({ action: 'report', allInstances: true, readOnly: true, maxAgeDays: 90 });
  });

  it.each([
    [{ instanceId: INSTANCE_ID }, 'action: must be backup or report'],
    [{ action: 'backup' }, 'instanceId: backup needs instanceId'],
    [{ action: 'backup', instanceId: INSTANCE_ID, noReboot: true }, 'acknowledgeCrashConsistent: noReboot: true needs acknowledgeCrashConsistent: true'],
    [{ action: 'backup', instanceId: INSTANCE_ID, allInstances: true }, 'instanceIds: instanceIds and allInstances are for report'],
    [{ action: 'report' }, 'instanceIds: report needs exactly one of instanceIds or allInstances'],
    [{ action: 'report', allInstances: true, instanceIds: [INSTANCE_ID] }, 'report needs exactly one of instanceIds or allInstances'],
    [{ action: 'report', allInstances: true, instanceId: INSTANCE_ID }, 'instanceId: instanceId and noReboot are for backup'],
    [{ action: 'report', instanceIds: [INSTANCE_ID, INSTANCE_ID] }, 'instanceIds: must not repeat an instance'],
    [{ action: 'report', allInstances: true, maxAgeDays: 0 }, 'maxAgeDays'],
    [{ action: 'backup', instanceId: 'i-123' }, 'instanceId: must look like i-0123456789abcdef0'],
    [{ action: 'backup', instanceId: INSTANCE_ID, reboot: false }, 'unknown field(s) "reboot"'],
  ])('refuses %j with InvalidInputError naming the field', async (input, message) => {
    // Act
    const validated = validate(input);

    // Assess
    await expect(validated).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining(message) });
  });
});
