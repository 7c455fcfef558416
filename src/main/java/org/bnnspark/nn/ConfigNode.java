package org.bnnspark.nn;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Typed, validated access to a JSON configuration tree (comments and trailing commas allowed, so
 * files under {@code conf/} can explain themselves). Every error names the source and the field
 * path, e.g. {@code conf/x.json: layers[2].units: expected a positive integer, got "wide"}.
 */
public final class ConfigNode {
  private static final JsonMapper MAPPER = JsonMapper.builder()
      .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
      .enable(JsonReadFeature.ALLOW_YAML_COMMENTS)
      .enable(JsonReadFeature.ALLOW_TRAILING_COMMA)
      .build();

  private final String source;
  private final String path;
  private final JsonNode node;

  private ConfigNode(String source, String path, JsonNode node) {
    this.source = source;
    this.path = path;
    this.node = node;
  }

  /** Parses configuration text; {@code source} names it in errors (usually the file path). */
  public static ConfigNode parse(String text, String source) {
    try {
      JsonNode root = MAPPER.readTree(text);
      if (root == null || !root.isObject()) {
        throw new ConfigException(source + ": expected a JSON object at the top level");
      }
      return new ConfigNode(source, "", root);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new ConfigException(source + ": not valid JSON at line " + e.getLocation().getLineNr()
          + ", column " + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage());
    }
  }

  public String source() {
    return source;
  }

  public ConfigException error(String message) {
    return new ConfigException(source + ": " + (path.isEmpty() ? "" : path + ": ") + message);
  }

  private String childPath(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  public boolean has(String key) {
    return node.has(key) && !node.get(key).isNull();
  }

  public ConfigNode object(String key) {
    JsonNode child = node.get(key);
    if (child == null || !child.isObject()) {
      throw error("missing object '" + key + "'");
    }
    return new ConfigNode(source, childPath(key), child);
  }

  public ConfigNode objectOrEmpty(String key) {
    return has(key) ? object(key) : new ConfigNode(source, childPath(key), MAPPER.createObjectNode());
  }

  public List<ConfigNode> objects(String key) {
    JsonNode child = node.get(key);
    if (child == null || !child.isArray() || child.isEmpty()) {
      throw error("'" + key + "' must be a non-empty list");
    }
    List<ConfigNode> out = new ArrayList<>();
    for (int i = 0; i < child.size(); i++) {
      JsonNode item = child.get(i);
      ConfigNode c = new ConfigNode(source, childPath(key) + "[" + i + "]", item);
      if (!item.isObject()) {
        throw c.error("expected an object");
      }
      out.add(c);
    }
    return out;
  }

  public String string(String key) {
    JsonNode child = node.get(key);
    if (child == null || !child.isTextual()) {
      throw error("missing text field '" + key + "'");
    }
    return child.asText();
  }

  public String string(String key, String fallback) {
    return has(key) ? string(key) : fallback;
  }

  public int positiveInt(String key) {
    JsonNode child = node.get(key);
    if (child == null || !child.canConvertToInt() || !child.isIntegralNumber() || child.asInt() <= 0) {
      throw error("'" + key + "': expected a positive integer, got " + (child == null ? "nothing" : child.toString()));
    }
    return child.asInt();
  }

  public int positiveInt(String key, int fallback) {
    return has(key) ? positiveInt(key) : fallback;
  }

  public long longValue(String key, long fallback) {
    if (!has(key)) {
      return fallback;
    }
    JsonNode child = node.get(key);
    if (!child.isIntegralNumber()) {
      throw error("'" + key + "': expected an integer, got " + child);
    }
    return child.asLong();
  }

  /** A finite number within [min, max]. */
  public double number(String key, double fallback, double min, double max) {
    if (!has(key)) {
      return fallback;
    }
    JsonNode child = node.get(key);
    if (!child.isNumber() || !Double.isFinite(child.asDouble()) || child.asDouble() < min || child.asDouble() > max) {
      throw error("'" + key + "': expected a number in [" + min + ", " + max + "], got " + child);
    }
    return child.asDouble();
  }

  /** A measured number, or NaN where the field is absent or null (a metric that was not measured). */
  public double measured(String key) {
    JsonNode child = node.get(key);
    if (child == null || child.isNull()) {
      return Double.NaN;
    }
    if (!child.isNumber()) {
      throw error("'" + key + "': expected a number or null, got " + child);
    }
    return child.asDouble();
  }

  public boolean bool(String key, boolean fallback) {
    if (!has(key)) {
      return fallback;
    }
    JsonNode child = node.get(key);
    if (!child.isBoolean()) {
      throw error("'" + key + "': expected true or false, got " + child);
    }
    return child.asBoolean();
  }

  /** A list of numbers (e.g. {@code [0, 255]}), or null when absent. */
  public double[] numbers(String key) {
    if (!has(key)) {
      return null;
    }
    JsonNode child = node.get(key);
    if (!child.isArray()) {
      throw error("'" + key + "': expected a list of numbers");
    }
    double[] out = new double[child.size()];
    for (int i = 0; i < out.length; i++) {
      if (!child.get(i).isNumber()) {
        throw error("'" + key + "'[" + i + "]: expected a number, got " + child.get(i));
      }
      out[i] = child.get(i).asDouble();
    }
    return out;
  }

  /** Rejects fields this object does not know: a misspelt option must not be silently ignored. */
  public void allowOnly(Set<String> known) {
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!known.contains(name)) {
        throw error("unknown field '" + name + "' (expected one of: " + String.join(", ", new java.util.TreeSet<>(known)) + ")");
      }
    }
  }
}
