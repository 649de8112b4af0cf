/** The stack's key for the private keys' SecureString parameters (infra/workflows/rotate-key-pair-grants.ts). */
export const KEY_PAIR_KMS_KEY_ENV = 'KEY_PAIR_KMS_KEY_ARN';
