package io.tributary.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every relative link and anchor in the repository's Markdown resolves, so the README can stay a
 * short front door that points into {@code docs/} without rotting. Anchors follow GitHub's rule:
 * the heading lower-cased, punctuation dropped, spaces as hyphens, repeats numbered.
 */
class DocsLinksTest {
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Pattern LINK = Pattern.compile("(?<!!)\\[[^\\]]*]\\(([^)\\s]+)\\)");
  private static final Pattern IMAGE = Pattern.compile("!\\[[^\\]]*]\\(([^)\\s]+)\\)");

  @Test
  void everyRelativeLinkAndAnchorResolves() throws IOException {
    List<Path> docs = markdownFiles();
    assertThat(docs).as("the README and the docs pages").hasSizeGreaterThan(10);
    List<String> broken = new ArrayList<>();
    for (Path doc : docs) {
      for (String target : links(Files.readString(doc, StandardCharsets.UTF_8))) {
        String problem = check(doc, target);
        if (problem != null) {
          broken.add(ROOT.relativize(doc) + ": (" + target + ") " + problem);
        }
      }
    }
    assertThat(broken).as("broken links").isEmpty();
  }

  @Test
  void theCheckerFindsWhatIsBroken() throws IOException {
    Path readme = ROOT.resolve("README.md");
    assertThat(check(readme, "docs/no-such-page.md")).contains("no such file");
    assertThat(check(readme, "#no-such-heading")).contains("no heading");
    assertThat(check(readme, "#quick-start")).isNull();
    assertThat(anchors("# `cdc`: change streams, mirrored\n## Exactly once\n## Exactly once\n"))
        .contains("cdc-change-streams-mirrored", "exactly-once", "exactly-once-1");
  }

  private static List<Path> markdownFiles() throws IOException {
    try (Stream<Path> files = Files.walk(ROOT)) {
      return files
          .filter(p -> p.toString().endsWith(".md"))
          .filter(
              p -> {
                String rel = ROOT.relativize(p).toString();
                return !rel.contains("target/")
                    && !rel.contains("node_modules")
                    && !rel.startsWith(".")
                    && !rel.contains("/.");
              })
          .sorted()
          .collect(Collectors.toList());
    }
  }

  /** Link targets outside code blocks and inline code, without external URLs. */
  static List<String> links(String markdown) {
    List<String> out = new ArrayList<>();
    boolean fence = false;
    for (String line : markdown.split("\n")) {
      if (line.trim().startsWith("```")) {
        fence = !fence;
        continue;
      }
      if (fence) {
        continue;
      }
      String prose = line.replaceAll("`[^`]*`", "``");
      for (Pattern p : List.of(LINK, IMAGE)) {
        Matcher m = p.matcher(prose);
        while (m.find()) {
          String target = m.group(1);
          if (!target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
            out.add(target);
          }
        }
      }
    }
    return out;
  }

  static String check(Path from, String target) throws IOException {
    int hash = target.indexOf('#');
    String file = hash < 0 ? target : target.substring(0, hash);
    String anchor = hash < 0 ? null : target.substring(hash + 1);
    Path resolved = file.isEmpty() ? from : from.getParent().resolve(file).normalize();
    if (!Files.exists(resolved)) {
      return "no such file";
    }
    if (anchor != null && !anchor.isEmpty()) {
      if (!resolved.toString().endsWith(".md")) {
        return "anchor into a file that is not Markdown";
      }
      if (!anchors(Files.readString(resolved, StandardCharsets.UTF_8)).contains(anchor)) {
        return "no heading for the anchor in " + ROOT.relativize(resolved);
      }
    }
    return null;
  }

  static Set<String> anchors(String markdown) {
    Set<String> out = new HashSet<>();
    boolean fence = false;
    for (String line : markdown.split("\n")) {
      if (line.trim().startsWith("```")) {
        fence = !fence;
        continue;
      }
      if (fence || !line.matches("^#{1,6} .*")) {
        continue;
      }
      String slug =
          line.replaceFirst("^#+ ", "")
              .trim()
              .toLowerCase(Locale.ROOT)
              .replaceAll("[^\\p{L}\\p{N} _-]", "")
              .replace(' ', '-');
      String unique = slug;
      for (int n = 1; out.contains(unique); n++) {
        unique = slug + "-" + n;
      }
      out.add(unique);
    }
    return out;
  }
}
