package dev.shopgraph.testservices.elasticsearch;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.PluginsLoader;

/**
 * Starts a throwaway single-node Elasticsearch on loopback for a test session.
 *
 * <p>Everything lives under {@code --home}: config, data, logs and the two modules the node
 * loads from {@code --modules} (Netty's HTTP transport, and our analysis components and root
 * endpoint). Prints {@code READY <url>} once the node has started; stops on SIGTERM.
 */
public final class Launcher {
    private static final PrintStream OUT = System.out;

    private Launcher() {}

    public static void main(String[] args) {
        Map<String, String> options = parse(args);
        Path home = Path.of(required(options, "--home")).toAbsolutePath();
        Path moduleJars = Path.of(required(options, "--modules")).toAbsolutePath();
        String httpPort = required(options, "--http-port");
        String transportPort = required(options, "--transport-port");
        try {
            Node node = start(home, moduleJars, httpPort, transportPort);
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stop(node);
                stopped.countDown();
            }, "shutdown"));
            OUT.println("READY http://127.0.0.1:" + httpPort);
            OUT.flush();
            stopped.await(); // the node's own threads are daemons: keep the JVM alive
        } catch (Exception e) {
            System.err.println("elasticsearch launcher: cannot start the node: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    static Node start(Path home, Path moduleJars, String httpPort, String transportPort) throws Exception {
        Path config = Files.createDirectories(home.resolve("config"));
        Files.createDirectories(home.resolve("plugins"));
        Path modules = home.resolve("modules");
        installModule(moduleJars, modules, "transport-netty4", "org.elasticsearch.transport.netty4.Netty4Plugin");
        installModule(moduleJars, modules, "shopgraph-node-extras",
            "dev.shopgraph.testservices.elasticsearch.module.NodeExtrasPlugin");
        Files.writeString(config.resolve("log4j2.properties"), LOGGING, StandardCharsets.UTF_8);
        Files.writeString(config.resolve("elasticsearch.yml"), "", StandardCharsets.UTF_8);

        Settings settings = Settings.builder()
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("cluster.name", "shopgraph-test")
            .put("node.name", "shopgraph-test-node")
            .put("discovery.type", "single-node")
            .put("network.host", "127.0.0.1")
            .put("http.port", httpPort)
            .put("transport.port", transportPort)
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .put("action.destructive_requires_name", false)
            .build();
        Environment environment =
            InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), config, () -> "shopgraph-test-node");
        LogConfigurator.setNodeName("shopgraph-test-node");
        LogConfigurator.configure(environment, true);

        PluginsLoader plugins =
            PluginsLoader.createPluginsLoader(PluginsLoader.loadModulesBundles(modules), Set.of(), Map.of(), false);
        return new Node(environment, plugins).start();
    }

    /** A module is a directory with the module's jars and a descriptor naming its plugin class. */
    private static void installModule(Path jars, Path modules, String name, String className) throws IOException {
        Path dir = Files.createDirectories(modules.resolve(name));
        try (var files = Files.list(jars.resolve(name))) {
            for (Path jar : files.filter(p -> p.toString().endsWith(".jar")).toList()) {
                Files.copy(jar, dir.resolve(jar.getFileName()));
            }
        }
        String descriptor = String.join("\n",
            "name=" + name,
            "description=" + name,
            "version=" + org.elasticsearch.Version.CURRENT,
            "elasticsearch.version=" + org.elasticsearch.Version.CURRENT,
            "java.version=17",
            "classname=" + className,
            "");
        Files.writeString(dir.resolve("plugin-descriptor.properties"), descriptor, StandardCharsets.UTF_8);
    }

    private static void stop(Node node) {
        try {
            node.close();
            node.awaitClose(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("elasticsearch launcher: error while stopping: " + e);
        }
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        return options;
    }

    private static String required(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null) {
            System.err.println(
                "usage: Launcher --home DIR --modules DIR --http-port N --transport-port N (missing " + name + ")");
            System.exit(2);
        }
        return value;
    }

    private static final String LOGGING = String.join("\n",
        "status = error",
        "appender.console.type = Console",
        "appender.console.name = console",
        "appender.console.target = SYSTEM_ERR",
        "appender.console.layout.type = PatternLayout",
        "appender.console.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] %m%n",
        "rootLogger.level = warn",
        "rootLogger.appenderRef.console.ref = console",
        "logger.node.name = org.elasticsearch.node.Node",
        "logger.node.level = info",
        "logger.http.name = org.elasticsearch.http.HttpTracer",
        "logger.http.level = trace",
        "");
}
