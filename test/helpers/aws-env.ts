/**
 * For the calling describe block: fake credentials and a region in the environment, restored
 * afterwards. A client mocked with aws-sdk-client-mock still resolves both before the mock answers.
 */
export function useFakeAwsEnv(): void {
  const saved = { ...process.env };
  beforeAll(() => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIAFAKEFAKEFAKE';
    process.env.AWS_SECRET_ACCESS_KEY = 'fake';
    process.env.AWS_REGION = 'eu-west-1';
  });
  afterAll(() => {
    process.env = saved;
  });
}
