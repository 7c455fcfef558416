package org.bnnspark.cli;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code --name value} and {@code --flag} options, validated up front against the job's option
 * table: an unknown option, a missing value or a malformed number is a {@link UsageException}.
 */
public final class Args {
  /** One option: its name, whether it takes a value, and its help text. */
  public record Option(String name, String value, String help) {
    boolean isFlag() {
      return value == null;
    }
  }

  private final Map<String, String> values = new HashMap<>();
  private final Map<String, Option> table = new LinkedHashMap<>();

  private String[] argv = new String[0];

  private Args() {}

  /** The command line as given. */
  public String[] argv() {
    return argv.clone();
  }

  public static Args parse(String[] argv, Option... options) {
    Args a = new Args();
    a.argv = argv.clone();
    for (Option o : options) {
      a.table.put(o.name(), o);
    }
    for (int i = 0; i < argv.length; i++) {
      String arg = argv[i];
      String name = arg;
      String inline = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        name = arg.substring(0, eq);
        inline = arg.substring(eq + 1);
      }
      Option o = a.table.get(name);
      if (o == null) {
        throw new UsageException("unknown option '" + arg + "' (see --help)");
      }
      if (o.isFlag()) {
        a.values.put(name, "true");
      } else if (inline != null) {
        a.values.put(name, inline);
      } else {
        if (i + 1 >= argv.length) {
          throw new UsageException("option " + name + " needs a value (" + o.value() + ")");
        }
        a.values.put(name, argv[++i]);
      }
    }
    return a;
  }

  public boolean has(String name) {
    return values.containsKey(name);
  }

  public String get(String name, String fallback) {
    return values.getOrDefault(name, fallback);
  }

  public String required(String name) {
    String v = values.get(name);
    if (v == null) {
      throw new UsageException("missing required option " + name + " (see --help)");
    }
    return v;
  }

  public int positiveInt(String name, int fallback) {
    if (!has(name)) {
      return fallback;
    }
    try {
      int v = Integer.parseInt(values.get(name));
      if (v <= 0) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw new UsageException("option " + name + ": expected a positive integer, got '" + values.get(name) + "'");
    }
  }

  public long longValue(String name, long fallback) {
    if (!has(name)) {
      return fallback;
    }
    try {
      return Long.parseLong(values.get(name));
    } catch (NumberFormatException e) {
      throw new UsageException("option " + name + ": expected an integer, got '" + values.get(name) + "'");
    }
  }

  public double fraction(String name, double fallback) {
    if (!has(name)) {
      return fallback;
    }
    try {
      double v = Double.parseDouble(values.get(name));
      if (!(v >= 0 && v < 1)) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw new UsageException("option " + name + ": expected a number in [0, 1), got '" + values.get(name) + "'");
    }
  }

  public String choice(String name, String fallback, java.util.List<String> allowed) {
    String v = get(name, fallback);
    if (v != null && !allowed.contains(v)) {
      throw new UsageException("option " + name + ": expected one of " + String.join("|", allowed) + ", got '" + v + "'");
    }
    return v;
  }

  /** Help text: usage line, then one line per option. */
  public static String help(String usage, String description, Option... options) {
    StringBuilder sb = new StringBuilder("usage: ").append(usage).append("\n\n").append(description).append("\n\noptions:\n");
    for (Option o : options) {
      String left = o.name() + (o.isFlag() ? "" : " " + o.value());
      sb.append(String.format("  %-26s %s%n", left, o.help()));
    }
    return sb.toString();
  }
}
