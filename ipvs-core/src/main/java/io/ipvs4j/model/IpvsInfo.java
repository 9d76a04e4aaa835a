package io.ipvs4j.model;

/**
 * What {@code IPVS_CMD_GET_INFO} reports; ipvsadm prints it in its listing header
 * ("IP Virtual Server version 1.2.1 (size=4096)").
 *
 * <pre>{@code
 * IpvsInfo info = ipvs.info();
 * info.version();              // "1.2.1"
 * info.connectionTableSize();  // 4096
 * }</pre>
 *
 * @param versionCode {@code IP_VS_VERSION_CODE}, e.g. 0x010201
 * @param connectionTableSize the connection hash table size (2^conn_tab_bits); u32, so sizes
 *     at or above 2^31 read negative here
 */
public record IpvsInfo(int versionCode, int connectionTableSize) {
    /** {@code IP_VS_VERSION_CODE 0x010201} (ip_vs.h); unchanged for many years. */
    public static final int CURRENT_VERSION_CODE = 0x010201;

    /** {@return the version as {@code major.minor.patch}, e.g. {@code "1.2.1"} from 0x010201} */
    public String version() {
        return ((versionCode >>> 16) & 0xff) + "." + ((versionCode >>> 8) & 0xff) + "." + (versionCode & 0xff);
    }
}
