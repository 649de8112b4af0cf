/** The stack's key for the private keys' SecureString parameters (infra/workflows/rotate-key-pair-grants.ts). */
export const KEY_PAIR_KMS_KEY_ENV = 'KEY_PAIR_KMS_KEY_ARN';

/** The role that alone may read the private keys (KeyPairVault's readers), named in the report. */
export const KEY_PAIR_READER_ROLE_ENV = 'KEY_PAIR_READER_ROLE_ARN';
