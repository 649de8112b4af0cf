/** The emulated account local runs use, in a module of its own so that light commands need not load the CDK app. */
export const LOCAL_ACCOUNT = '123456789012';
/** The region of local runs when none is given (--region, AWS_REGION, AWS_DEFAULT_REGION, the emulator's). */
export const LOCAL_REGION = 'us-east-1';
/** The region local runs use: the SDK's AWS_REGION (the CLI sets it from --region or AWS_DEFAULT_REGION), else LOCAL_REGION. */
export const localRegion = (): string => process.env.AWS_REGION || LOCAL_REGION;
