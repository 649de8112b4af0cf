import { validateInputHandler } from '../lib/validate-input';
import { refreshAmiInputSchema } from './lib/schema';

/**
 * First state: checks the input before anything is read or changed. `readOnly`: a report changes nothing, so it
 * takes no lock (as a plan); a backup locks its instance (the kit tags it remediation:lock, which CreateImage needs).
 */
export const handler = validateInputHandler(refreshAmiInputSchema, {
  complete: (input) => ({ ...input, readOnly: input.action === 'report' }),
  summary: (r) => ({ action: r.action, instanceId: r.instanceId, instances: r.instanceIds?.length, allInstances: r.allInstances, noReboot: r.noReboot, mode: r.mode }),
});
