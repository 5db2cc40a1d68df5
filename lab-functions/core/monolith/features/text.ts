/**
 * `dummie_webpage` and `docker_documentation`: fill a text template's slots with random words and
 * return a random 100-character slice of the result, as the original did.
 *
 * Differences from the original Python:
 * - The templates are shorter paraphrases (a small HTML page; a short product overview), written
 *   for this project instead of copied, to keep the bundle's text modest. What is measured is the
 *   same kind of work: string building, substitution and slicing.
 * - Words, the list length and the slice offset come from the seeded PRNG instead of Python's
 *   `random`, drawn in the same order (slots in reading order, then the offset).
 */
import { randomInt } from '../../random';

/** Length of the slice both features return. */
export const SLICE_LENGTH = 100;

const WEBPAGE_WORDS = ['pony', 'derp', 'unicorn', 'foo', 'bar'] as const;
const DOCUMENTATION_WORDS = ['pony', 'derp', 'unicorn', 'foo', 'bar', '42', 'tinfoilhat'] as const;

const WEBPAGE_TEMPLATE = `<html>
  <!-- Comments like this one are not shown. Most {word} tags come in pairs, such as HTML
  and /HTML around the whole page; a few, like HR for a horizontal rule, stand alone. -->
  <head>
    <title>A title for the {word} window bar</title>
  </head>
  <body>
    <h1>The main heading, {word} often the same as the title</h1>
    <p>State your key points in <b>bold</b> and gather them in a list:</p>
    <ul>
      <li>The first item</li>
      <li>The second item, with <i>emphasis</i> on a key word</li>
    </ul>
    <p>Add a picture to the page. {word}</p>
    <p><img src="cover.gif" alt="A cover image"></p>
    <p>Link to a <a href="https://example.org/">favourite site</a>, then break the page up with a rule.</p>
    <hr>
    <p>Finally, link to {word} <a href="page2.html">another page</a> of your own site.</p>
    <p>&#169; An example publisher</p>
  </body>
</html>`;

const DOCUMENTATION_TEMPLATE = ` Container desktop overview
Estimated reading time: 2 minutes

The desktop app is an easy-to-install {word} application for Mac and Windows that lets you build
and share containerized applications and microservices. It bundles the engine, the command-line
client, a compose tool, a signing service, Kubernetes and a credential helper.

It works with the development tools and languages you already use and gives access to a large
library of certified images and templates, so teams can build, integrate and collaborate from a
secure repository.

Some of its key features {word} are:

  Containerize and share any application on any cloud, in many languages and frameworks
  Install and set up a complete development environment in a few steps
  Ship with a recent version of Kubernetes
  Update automatically to keep {word} you current and secure
  On Windows, switch between Linux and Windows Server containers
  Run fast on native virtualization, or natively on Linux through WSL 2
  Mount volumes for code and data, with file change notifications
  Develop and debug inside containers from supported IDEs

Download and install {list}

The app is available for Mac and Windows. For downloads, system requirements and installation
steps, see:
    {word}
    Install on Mac
    Install on Windows

Get started

To learn how to get started and how to use the interface, see:
{word}
    Get started on Mac
    Get started on Windows

Stable and Edge versions

The Stable channel provides {word} a release-ready installer for a fully tested, more reliable
app, synced with each engine release and patched as needed; its usage statistics can be turned
off. The Edge channel is a preview with experimental features switched on: it ships more often,
may be less stable, and sends usage statistics by default.`;

/**
 * Replaces each `{word}` with a random word and each `{list}` with `[0, 1, …, k − 1]` for a
 * random k in [0, 100], in reading order.
 */
export function fillTemplate(template: string, words: readonly string[], random: () => number): string {
  return template.replace(/\{(word|list)\}/g, (_match, slot: string) => {
    if (slot === 'list') {
      const length = randomInt(random, 0, 100);
      return `[${Array.from({ length }, (_, i) => i).join(', ')}]`;
    }
    return words[randomInt(random, 0, words.length - 1)] as string;
  });
}

/** A random slice of `SLICE_LENGTH` characters (the whole text if it is shorter). */
export function randomSlice(text: string, random: () => number): string {
  const start = randomInt(random, 0, Math.max(0, text.length - SLICE_LENGTH));
  return text.slice(start, start + SLICE_LENGTH);
}

export function dummieWebpage(random: () => number): string {
  return randomSlice(fillTemplate(WEBPAGE_TEMPLATE, WEBPAGE_WORDS, random), random);
}

export function dockerDocumentation(random: () => number): string {
  return randomSlice(fillTemplate(DOCUMENTATION_TEMPLATE, DOCUMENTATION_WORDS, random), random);
}
