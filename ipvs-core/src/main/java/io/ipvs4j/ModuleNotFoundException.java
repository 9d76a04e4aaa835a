package io.ipvs4j;

import java.util.List;

/**
 * A scheduler or persistence-engine kernel module could not be found or loaded (ENOENT on
 * adding or updating a service: "Scheduler module ip_vs_%s not found"). The usual fix is
 * {@code modprobe ip_vs_<scheduler>} (or {@code modprobe ip_vs_pe_<engine>}).
 */
public class ModuleNotFoundException extends NotFoundException {
    private static final long serialVersionUID = 1L;

    /** The candidate module names; empty if unknown. */
    private final List<String> moduleNames;

    /**
     * Creates the exception; its reason names the candidate modules.
     *
     * @param operation what was being done
     * @param subject the key or endpoint text, e.g. {@code "TCP 192.0.2.100:80"}; may be empty
     * @param moduleNames the modules the service needs (e.g. {@code ip_vs_rr}, {@code ip_vs_pe_sip});
     *     the kernel does not say which one is missing; empty if unknown
     * @param errno the positive errno, or 0 if none
     * @param kernelMessage the kernel's extended-ACK text, or {@code null}
     */
    public ModuleNotFoundException(Operation operation, String subject, List<String> moduleNames, int errno,
                                   String kernelMessage) {
        super(operation, subject, reason(moduleNames), errno, kernelMessage);
        this.moduleNames = List.copyOf(moduleNames);
    }

    private static String reason(List<String> modules) {
        if (modules.isEmpty()) {
            return "scheduler or persistence engine module not found; load it with modprobe ip_vs_<name>";
        }
        return (modules.size() == 1 ? "scheduler module not found" : "scheduler or persistence engine module not found")
                + "; load it with modprobe " + String.join(" / modprobe ", modules);
    }

    /** {@return the candidate module names, e.g. {@code [ip_vs_rr]}; empty if unknown} */
    public List<String> moduleNames() {
        return moduleNames;
    }
}
