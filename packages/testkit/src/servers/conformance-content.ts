// The fixed answers the conformance server scenarios compare, shared by both fixtures (the
// 2025-era one on the v1 SDK and the 2026-07-28 one on the v2 SDK), so the two cannot drift apart.
// Plain objects: each SDK's types accept them as they are.

/** A 1×1 PNG and a minimal WAV header, base64: just enough to be valid media. */
export const CONFORMANCE_PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
export const CONFORMANCE_WAV_BASE64 = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=';

export const STATIC_TEXT = 'This is the content of the static text resource.';
export const TOOL_ERROR_TEXT = 'This tool intentionally returns an error for testing';

export const textResult = (text: string) => ({ content: [{ type: 'text' as const, text }] });

/** Tool results, by tool name. */
export const conformanceToolResults = {
  test_simple_text: () => textResult('This is a simple text response for testing.'),
  test_image_content: () => ({
    content: [{ type: 'image' as const, data: CONFORMANCE_PNG_BASE64, mimeType: 'image/png' }],
  }),
  test_audio_content: () => ({
    content: [{ type: 'audio' as const, data: CONFORMANCE_WAV_BASE64, mimeType: 'audio/wav' }],
  }),
  test_embedded_resource: () => ({
    content: [
      {
        type: 'resource' as const,
        resource: {
          uri: 'test://embedded-resource',
          mimeType: 'text/plain',
          text: 'This is an embedded resource content.',
        },
      },
    ],
  }),
  test_multiple_content_types: () => ({
    content: [
      { type: 'text' as const, text: 'Multiple content types test:' },
      { type: 'image' as const, data: CONFORMANCE_PNG_BASE64, mimeType: 'image/png' },
      {
        type: 'resource' as const,
        resource: {
          uri: 'test://mixed-content-resource',
          mimeType: 'application/json',
          text: JSON.stringify({ test: 'data', value: 123 }),
        },
      },
    ],
  }),
};

/** `test://template/{id}/data` read with `id`. */
export const templateResourceText = (id: string): string =>
  JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` });

const userText = (text: string) => ({ role: 'user' as const, content: { type: 'text' as const, text } });

/** Prompt results, by prompt name. */
export const conformancePrompts = {
  test_simple_prompt: () => ({ messages: [userText('This is a simple prompt for testing.')] }),
  test_prompt_with_arguments: (arg1: string | undefined, arg2: string | undefined) => ({
    messages: [userText(`Prompt with arguments: arg1='${arg1}', arg2='${arg2}'`)],
  }),
  test_prompt_with_embedded_resource: (resourceUri: string) => ({
    messages: [
      {
        role: 'user' as const,
        content: {
          type: 'resource' as const,
          resource: {
            uri: resourceUri,
            mimeType: 'text/plain',
            text: 'Embedded resource content for testing.',
          },
        },
      },
      userText('Please process the embedded resource above.'),
    ],
  }),
  test_prompt_with_image: () => ({
    messages: [
      {
        role: 'user' as const,
        content: { type: 'image' as const, data: CONFORMANCE_PNG_BASE64, mimeType: 'image/png' },
      },
      userText('Please analyze the image above.'),
    ],
  }),
};
