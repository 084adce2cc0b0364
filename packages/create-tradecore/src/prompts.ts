import { createInterface, type Interface } from 'node:readline/promises';

/** Questions asked on a terminal; every answer has a default shown in brackets. */
export interface Prompter {
  text(question: string, defaultValue: string, validate?: (value: string) => string | undefined): Promise<string>;
  choose<T extends string>(question: string, choices: readonly { value: T; hint: string }[], defaultValue: T): Promise<T>;
  confirm(question: string, defaultValue: boolean): Promise<boolean>;
  close(): void;
}

export function createPrompter(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Prompter {
  const rl: Interface = createInterface({ input, output });
  return {
    async text(question, defaultValue, validate) {
      for (;;) {
        const answer = (await rl.question(`${question} (${defaultValue}): `)).trim() || defaultValue;
        const problem = validate?.(answer);
        if (!problem) return answer;
        output.write(`  ${problem}\n`);
      }
    },
    async choose(question, choices, defaultValue) {
      output.write(`${question}\n`);
      choices.forEach((choice, i) => output.write(`  ${i + 1}) ${choice.value} — ${choice.hint}\n`));
      for (;;) {
        const answer = (await rl.question(`Choose 1-${choices.length} or a name (${defaultValue}): `)).trim();
        if (answer === '') return defaultValue;
        const byIndex = choices[Number(answer) - 1];
        const match = byIndex ?? choices.find((choice) => choice.value === answer);
        if (match) return match.value;
        output.write(`  "${answer}" is not one of the choices\n`);
      }
    },
    async confirm(question, defaultValue) {
      const answer = (await rl.question(`${question} (${defaultValue ? 'Y/n' : 'y/N'}): `)).trim().toLowerCase();
      if (answer === '') return defaultValue;
      return answer === 'y' || answer === 'yes';
    },
    close() {
      rl.close();
    },
  };
}
