// Handlers read the bucket name once at load, as in Lambda: import this before them.
export const BUCKET = 'config-delivery-bucket';
process.env.CONFIG_BUCKET_NAME = BUCKET;
