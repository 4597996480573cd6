// Original file: proto/anchorage/coordinator/v1/coordinator.proto


export interface GetVersionRequest {
}

export interface GetVersionRequest__Output {
}
