import { startMoto } from './moto';

/** CI preflight: proves moto_server starts and answers here, or fails with the install hint. */
async function main(): Promise<void> {
  const moto = await startMoto();
  console.log(`moto_server answers on ${moto.endpoint}`);
  await moto.stop();
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
