// Placeholder until the 'track' command lands; it fails loudly rather than pretending to work.
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write("people-pathing track: not available in this build yet\n");
  return 1;
}
