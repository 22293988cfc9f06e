package io.tributary.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Job configurations written as files, in MSF's property-group JSON, as in examples/. */
public final class ConfigFiles {
  private ConfigFiles() {}

  /** Writes {@code groups} to {@code file}; returns the file. */
  public static Path write(Path file, Map<String, Map<String, String>> groups) {
    StringBuilder json = new StringBuilder("[\n");
    int g = 0;
    for (Map.Entry<String, Map<String, String>> group : groups.entrySet()) {
      json.append(g++ == 0 ? "" : ",\n")
          .append("  {\"PropertyGroupId\": \"")
          .append(group.getKey())
          .append("\", \"PropertyMap\": {");
      int k = 0;
      for (Map.Entry<String, String> e : group.getValue().entrySet()) {
        json.append(k++ == 0 ? "" : ", ")
            .append('"')
            .append(e.getKey())
            .append("\": \"")
            .append(e.getValue().replace("\\", "\\\\").replace("\"", "\\\""))
            .append('"');
      }
      json.append("}}");
    }
    json.append("\n]\n");
    try {
      Files.writeString(file, json.toString(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }
}
