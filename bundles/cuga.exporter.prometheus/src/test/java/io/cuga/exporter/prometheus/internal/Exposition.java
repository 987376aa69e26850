package io.cuga.exporter.prometheus.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A parsed Prometheus text exposition: samples with their labels, and the HELP and TYPE of each family. */
final class Exposition {

    /** One sample line. */
    record Sample(String name, Map<String, String> labels, double value) {
    }

    final List<Sample> samples = new ArrayList<>();
    final Map<String, String> help = new LinkedHashMap<>();
    final Map<String, String> type = new LinkedHashMap<>();
    final String text;

    Exposition(String text) {
        this.text = text;
        for (String line : text.split("\n")) {
            if (line.startsWith("# HELP ")) {
                String rest = line.substring(7);
                int space = rest.indexOf(' ');
                help.put(space < 0 ? rest : rest.substring(0, space), space < 0 ? "" : rest.substring(space + 1));
            } else if (line.startsWith("# TYPE ")) {
                String[] parts = line.substring(7).split(" ");
                type.put(parts[0], parts[1]);
            } else if (!line.isBlank() && !line.startsWith("#")) {
                samples.add(parse(line));
            }
        }
    }

    private static Sample parse(String line) {
        int brace = line.indexOf('{');
        int space = line.lastIndexOf(' ');
        Map<String, String> labels = new TreeMap<>();
        String name;
        if (brace >= 0 && brace < space) {
            name = line.substring(0, brace);
            String body = line.substring(brace + 1, line.lastIndexOf('}'));
            int i = 0;
            while (i < body.length()) {
                int eq = body.indexOf('=', i);
                String key = body.substring(i, eq).trim();
                StringBuilder value = new StringBuilder();
                int j = eq + 2; // skip ="
                while (body.charAt(j) != '"') {
                    if (body.charAt(j) == '\\') {
                        j++;
                    }
                    value.append(body.charAt(j++));
                }
                labels.put(key, value.toString());
                i = j + 1;
                if (i < body.length() && body.charAt(i) == ',') {
                    i++;
                }
            }
        } else {
            name = line.substring(0, space);
        }
        return new Sample(name, labels, Double.parseDouble(line.substring(space + 1)));
    }

    /** @return the value of the sample with exactly these labels, or null */
    Double value(String name, String... labels) {
        Map<String, String> wanted = new TreeMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            wanted.put(labels[i], labels[i + 1]);
        }
        for (Sample s : samples) {
            if (s.name().equals(name) && s.labels().equals(wanted)) {
                return s.value();
            }
        }
        return null;
    }

    /** @return the samples of a name */
    List<Sample> named(String name) {
        return samples.stream().filter(s -> s.name().equals(name)).toList();
    }
}
