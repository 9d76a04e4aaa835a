package io.ipvs4j.director.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.ipvs4j.director.keepalived.DesiredState;
import io.ipvs4j.director.keepalived.KeepalivedConverter;
import io.ipvs4j.director.keepalived.KeepalivedParser;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keepalived's SSL_GET against a real TLS server on loopback: up, wrong status, wrong digest, not TLS, silent. */
class SslGetCheckTest {
    @TempDir
    static Path dir;
    static HttpsServer https;
    static final AtomicInteger status = new AtomicInteger(200);

    @BeforeAll
    static void startTlsServer() throws Exception {
        // a self-signed certificate, made with the JDK's keytool: the check does not verify it, as keepalived
        Path ks = dir.resolve("server.p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "rs", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=rs.example.org",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", ks.toString(), "-storepass", "changeit",
                "-keypass", "changeit").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = java.nio.file.Files.newInputStream(ks)) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, "changeit".toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        https.setHttpsConfigurator(new HttpsConfigurator(ctx));
        https.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        https.createContext("/", ex -> {
            try (ex) {
                byte[] body = "hello".getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(status.get(), body.length);
                ex.getResponseBody().write(body);
            }
        });
        https.start();
    }

    @AfterAll
    static void stop() {
        https.stop(0);
    }

    private static HttpGetCheck.Builder sslGet(int port) {
        return HttpGetCheck.builder(InetAddress.getLoopbackAddress(), port).tls(true)
                .connectTimeout(Duration.ofSeconds(10));   // generous: a loaded CI machine, a TLS handshake
    }

    @Test
    void passesWithTheExpectedStatusAndDigest() {
        int port = https.getAddress().getPort();
        status.set(200);
        // md5("hello"), as keepalived's genhash prints it
        CheckResult r = sslGet(port).url(new HttpGetCheck.Url("/", Set.of(200),
                Optional.of("5d41402abc4b2a76b9719d911017c592"))).build().check();
        assertTrue(r.healthy(), r.toString());
        assertTrue(sslGet(port).url(HttpGetCheck.Url.of("/", 200)).build().describe().startsWith("SSL_GET "));
    }

    @Test
    void failsOnAWrongStatusOrDigest() {
        int port = https.getAddress().getPort();
        status.set(503);
        CheckResult wrongStatus = sslGet(port).url(HttpGetCheck.Url.of("/", 200)).build().check();
        assertFalse(wrongStatus.healthy());
        assertTrue(wrongStatus.toString().contains("503"), wrongStatus.toString());
        status.set(200);
        CheckResult wrongDigest = sslGet(port).url(new HttpGetCheck.Url("/", Set.of(200),
                Optional.of("00000000000000000000000000000000"))).build().check();
        assertFalse(wrongDigest.healthy());
    }

    @Test
    void failsAgainstAPlainHttpServerAndASilentOne() throws Exception {
        HttpServer plain = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        plain.createContext("/", ex -> {
            try (ex) {
                ex.sendResponseHeaders(200, -1);
            }
        });
        plain.start();
        try {
            CheckResult r = sslGet(plain.getAddress().getPort()).url(HttpGetCheck.Url.of("/", 200)).build().check();
            assertFalse(r.healthy(), "no TLS handshake: " + r);
        } finally {
            plain.stop(0);
        }
        try (ServerSocket silent = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
            // accepts (the kernel completes the TCP handshake) but never answers the TLS hello
            CheckResult r = sslGet(silent.getLocalPort()).connectTimeout(Duration.ofMillis(300))
                    .url(HttpGetCheck.Url.of("/", 200)).build().check();
            assertFalse(r.healthy(), r.toString());
            assertTrue(r.toString().contains("timed out") || r.toString().contains("Read timed out"), r.toString());
        }
    }

    @Test
    void sslGetFromKeepalivedConfIsChecked() throws Exception {
        int port = https.getAddress().getPort();
        status.set(200);
        DesiredState d = KeepalivedConverter.toDesiredState(KeepalivedParser.parse(
                "virtual_server 192.0.2.1 443 { protocol TCP lb_kind NAT\n real_server 127.0.0.1 " + port
                        + " { SSL_GET { url { path / status_code 200 } connect_timeout 10 } }\n}"));
        List<io.ipvs4j.director.check.CheckSpec> checks = d.services().get(0).realServers().get(0).checks();
        assertEquals(1, checks.size(), "an SSL_GET real server is health-checked");
        assertEquals(Duration.ofSeconds(3), checks.get(0).policy().delayBeforeRetry(), "SSL_GET's default, as HTTP_GET's");
        CheckResult up = checks.get(0).check().check();
        assertTrue(up.healthy(), up + " " + checks.get(0));
        status.set(500);
        assertFalse(checks.get(0).check().check().healthy());
        status.set(200);
    }
}
