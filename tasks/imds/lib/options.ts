import type { Instance } from '@aws-sdk/client-ec2';

/** The metadata options this workflow reads, changes and puts back. */
export interface MetadataOptions {
  httpTokens: string;
  hopLimit: number;
  httpEndpoint: string;
  state: string;
}

export const optionsOf = (instance: Instance): MetadataOptions => ({
  httpTokens: instance.MetadataOptions?.HttpTokens ?? 'optional',
  hopLimit: instance.MetadataOptions?.HttpPutResponseHopLimit ?? 1,
  httpEndpoint: instance.MetadataOptions?.HttpEndpoint ?? 'enabled',
  state: instance.MetadataOptions?.State ?? 'applied',
});

/** Options as the plan wants them: tokens required, and the hop limit when the input gives one. */
export const isEnforced = (options: MetadataOptions, hopLimit: number | undefined): boolean =>
  options.httpTokens === 'required' && (hopLimit === undefined || options.hopLimit === hopLimit);
